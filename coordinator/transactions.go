package coordinator

import (
	"path/filepath"
	"sort"

	"github.com/kseg/kseg/segment"
)

// TransactionStateTopic is the transaction coordinator's internal topic.
const TransactionStateTopic = "__transaction_state"

// Transaction is one transactional id's metadata after replay, as
// DescribeTransactions and ListTransactions report it.
type Transaction struct {
	TransactionalID    string `json:"transactionalId"`
	ProducerID         int64  `json:"producerId"`
	PreviousProducerID int64  `json:"previousProducerId"` // v1+, else -1
	NextProducerID     int64  `json:"nextProducerId"`     // v1+, else -1
	ProducerEpoch      int16  `json:"producerEpoch"`
	NextProducerEpoch  int16  `json:"nextProducerEpoch"` // v1 tag 3 (Kafka 4.1+), else -1
	TimeoutMs          int32  `json:"transactionTimeoutMs"`
	// State is Kafka's TransactionState name (Empty, Ongoing,
	// PrepareCommit, PrepareAbort, CompleteCommit, CompleteAbort, Dead,
	// PrepareEpochFence); StateID its stored id.
	State               string   `json:"state"`
	StateID             TxnState `json:"stateId"`
	StartTimestamp      int64    `json:"transactionStartTimestampMs"` // as stored
	LastUpdateTimestamp int64    `json:"transactionLastUpdateTimestampMs"`
	// Partitions are the topic partitions of the current transaction.
	Partitions               []TxnPartitions `json:"topicPartitions"`
	ClientTransactionVersion int16           `json:"clientTransactionVersion"` // v1+ (transaction version 2), else 0
	CoordinatorPartition     int32           `json:"coordinatorPartition"`
	RecordOffset             int64           `json:"recordOffset"` // offset of the record that set this state
}

type txnLoader struct {
	txns      map[string]Transaction
	partition int32
}

func (l *txnLoader) marker(int64, bool) {}

// record applies TransactionStateManager's load rule: the newest value of a
// transactional id wins and a tombstone removes it.
func (l *txnLoader) record(offset, _ int64, key, value []byte) error {
	rec, err := DecodeTxnRecord(key, value)
	if err != nil {
		return err
	}
	if rec.KeyVersion != TxnKeyVersion {
		return nil // Kafka's loader rejects unknown key versions; nothing to keep
	}
	if rec.Tombstone {
		delete(l.txns, rec.TransactionalID)
		return nil
	}
	v := rec.Value
	parts := v.TransactionPartitions
	if parts == nil {
		parts = []TxnPartitions{}
	}
	l.txns[rec.TransactionalID] = Transaction{
		TransactionalID: rec.TransactionalID, ProducerID: v.ProducerID,
		PreviousProducerID: v.PreviousProducerID, NextProducerID: v.NextProducerID,
		ProducerEpoch: v.ProducerEpoch, NextProducerEpoch: v.NextProducerEpoch, TimeoutMs: v.TransactionTimeoutMs,
		State: v.TransactionStatus.String(), StateID: v.TransactionStatus,
		StartTimestamp: v.TransactionStartTimestampMs, LastUpdateTimestamp: v.TransactionLastUpdateTimestampMs,
		Partitions: parts, ClientTransactionVersion: v.ClientTransactionVersion,
		CoordinatorPartition: l.partition, RecordOffset: offset,
	}
	return nil
}

// Transactions is the transaction coordinator's state rebuilt from a log
// directory's own __transaction_state partitions.
type Transactions struct {
	Transactions []Transaction   `json:"transactions"` // sorted by transactional id
	Partitions   []PartitionLoad `json:"partitions"`   // one per __transaction_state-N, in partition order
}

// LoadTransactions returns ReplayTransactions(logDir).Transactions.
func LoadTransactions(logDir string) ([]Transaction, error) {
	t, err := ReplayTransactions(logDir)
	if err != nil {
		return nil, err
	}
	return t.Transactions, nil
}

// ReplayTransactions replays every __transaction_state-N partition directory
// of logDir to the end of its log and returns the transactional ids a
// transaction coordinator would hold after loading them
// (TransactionStateManager.loadTransactionMetadata: the newest value wins, a
// tombstone removes the id). Read-only; memory is bounded by the number of
// live transactional ids. Only I/O errors are returned; corruption stops
// the affected partition and is reported in its PartitionLoad.
func ReplayTransactions(logDir string) (*Transactions, error) {
	dirs, err := coordinatorPartitions(logDir, TransactionStateTopic)
	if err != nil {
		return nil, err
	}
	l := &txnLoader{txns: map[string]Transaction{}}
	loads := []PartitionLoad{}
	for _, dir := range dirs {
		_, n, _, _ := segment.ParsePartitionDir(filepath.Base(dir))
		l.partition = n
		load, err := replayPartition(dir, l)
		if err != nil {
			return nil, err
		}
		loads = append(loads, load)
	}
	out := make([]Transaction, 0, len(l.txns))
	for _, t := range l.txns {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].TransactionalID < out[j].TransactionalID })
	return &Transactions{Transactions: out, Partitions: loads}, nil
}
