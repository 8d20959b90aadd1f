package coordinator

// Value layouts of the flexible coordinator records, from apache/kafka
// group-coordinator/src/main/resources/common/message/*Value.json and
// share-coordinator/.../ShareSnapshotValue.json / ShareUpdateValue.json as of
// Kafka 4.2 (trunk, October 2025; earlier in-development layouts of the same
// version as alt), and storage/src/main/resources/message/
// RemoteLogSegmentMetadata*Record.json / RemotePartitionDeleteMetadataRecord.json.

var topicPartitionsFields = []sfield{f("TopicId", fUUID), f("Partitions", fInt32s)}

var topicMetadataFields = []sfield{
	f("TopicId", fUUID), f("TopicName", fString), f("NumPartitions", fInt32),
	fArrayOf("PartitionMetadata", f("Partition", fInt32), f("Racks", fStrings)),
}

// groupValueSchemas are the value layouts of __consumer_offsets record
// types 3 and up, by record type. Types absent here (the streams partition
// metadata and resolved-topic records of Kafka 4.1 development builds, gone
// from 4.2) keep their value as hex.
var groupValueSchemas = map[RecordType]*messageSchema{
	TypeConsumerGroupMetadata: {name: "ConsumerGroupMetadataValue",
		fields: []sfield{f("Epoch", fInt32), fTagged(0, 0, f("MetadataHash", fInt64))}}, // the hash: KIP-1101, Kafka 4.1
	TypeConsumerGroupPartitionMetadata: {name: "ConsumerGroupPartitionMetadataValue",
		fields: []sfield{fArrayOf("Topics", topicMetadataFields...)}},
	TypeConsumerGroupMemberMetadata: {name: "ConsumerGroupMemberMetadataValue", fields: []sfield{
		fNull("InstanceId", fString), fNull("RackId", fString), f("ClientId", fString), f("ClientHost", fString),
		f("SubscribedTopicNames", fStrings), fNull("SubscribedTopicRegex", fString), f("RebalanceTimeoutMs", fInt32),
		fNull("ServerAssignor", fString),
		fTagged(0, 0, fStructOf("ClassicMemberMetadata", f("SessionTimeoutMs", fInt32),
			fArrayOf("SupportedProtocols", f("Name", fString), f("Metadata", fBytes)))),
	}},
	TypeConsumerGroupTargetAssignmentMetadata: {name: "ConsumerGroupTargetAssignmentMetadataValue",
		fields: []sfield{f("AssignmentEpoch", fInt32)}},
	TypeConsumerGroupTargetAssignmentMember: {name: "ConsumerGroupTargetAssignmentMemberValue",
		fields: []sfield{fArrayOf("TopicPartitions", topicPartitionsFields...)}},
	TypeConsumerGroupCurrentMemberAssignment: {name: "ConsumerGroupCurrentMemberAssignmentValue", fields: []sfield{
		f("MemberEpoch", fInt32), f("PreviousMemberEpoch", fInt32), f("State", fInt8),
		fArrayOf("AssignedPartitions", topicPartitionsFields...),
		fArrayOf("PartitionsPendingRevocation", topicPartitionsFields...),
	}},
	TypeShareGroupPartitionMetadata: {name: "ShareGroupPartitionMetadataValue",
		fields: []sfield{fArrayOf("Topics", topicMetadataFields...)}},
	TypeShareGroupMemberMetadata: {name: "ShareGroupMemberMetadataValue", fields: []sfield{
		fNull("RackId", fString), f("ClientId", fString), f("ClientHost", fString), f("SubscribedTopicNames", fStrings),
	}},
	// KIP-932 schemas changed without version bumps while share groups were
	// in preview; the later layout first.
	TypeShareGroupMetadata: {name: "ShareGroupMetadataValue",
		fields: []sfield{f("Epoch", fInt32), f("MetadataHash", fInt64)},
		alt:    [][]sfield{{f("Epoch", fInt32)}}},
	TypeShareGroupTargetAssignmentMetadata: {name: "ShareGroupTargetAssignmentMetadataValue",
		fields: []sfield{f("AssignmentEpoch", fInt32)}},
	TypeShareGroupTargetAssignmentMember: {name: "ShareGroupTargetAssignmentMemberValue",
		fields: []sfield{fArrayOf("TopicPartitions", topicPartitionsFields...)}},
	TypeShareGroupCurrentMemberAssignment: {name: "ShareGroupCurrentMemberAssignmentValue", fields: []sfield{
		f("MemberEpoch", fInt32), f("PreviousMemberEpoch", fInt32), f("State", fInt8),
		fArrayOf("AssignedPartitions", topicPartitionsFields...),
	}},
	TypeShareGroupStatePartitionMetadata: {name: "ShareGroupStatePartitionMetadataValue",
		fields: []sfield{
			fArrayOf("InitializingTopics", f("TopicId", fUUID), f("TopicName", fString), f("Partitions", fInt32s)),
			fArrayOf("InitializedTopics", f("TopicId", fUUID), f("TopicName", fString), f("Partitions", fInt32s)),
			fArrayOf("DeletingTopics", f("TopicId", fUUID), f("TopicName", fString)),
		},
		alt: [][]sfield{
			{ // a 4.1 development layout with a creation timestamp per topic
				fArrayOf("InitializingTopics", f("TopicId", fUUID), f("TopicName", fString), f("Partitions", fInt32s), f("CreateTimestamp", fInt64)),
				fArrayOf("InitializedTopics", f("TopicId", fUUID), f("TopicName", fString), f("Partitions", fInt32s), f("CreateTimestamp", fInt64)),
				fArrayOf("DeletingTopics", f("TopicId", fUUID), f("TopicName", fString)),
			},
			{ // the Kafka 4.0 preview
				fArrayOf("InitializedTopics", f("TopicId", fUUID), f("TopicName", fString), f("Partitions", fInt32s)),
				fArrayOf("DeletingTopics", f("TopicId", fUUID), f("TopicName", fString)),
			},
		}},
	TypeConsumerGroupRegularExpression: {name: "ConsumerGroupRegularExpressionValue", fields: []sfield{
		f("Topics", fStrings), f("Version", fInt64), f("Timestamp", fInt64),
	}},
	TypeStreamsGroupMetadata: {name: "StreamsGroupMetadataValue", fields: []sfield{
		f("Epoch", fInt32), f("MetadataHash", fInt64), fTagged(0, -1, f("ValidatedTopologyEpoch", fInt32)),
		fTagged(1, 0, fArrayOf("LastAssignmentConfigs", f("Key", fString), f("Value", fString))),
	}},
	TypeStreamsGroupMemberMetadata: {name: "StreamsGroupMemberMetadataValue", fields: []sfield{
		fNull("InstanceId", fString), fNull("RackId", fString), f("ClientId", fString), f("ClientHost", fString),
		f("RebalanceTimeoutMs", fInt32), f("TopologyEpoch", fInt32), f("ProcessId", fString),
		nullableStruct(fStructOf("UserEndpoint", f("Host", fString), f("Port", fUint16))),
		fArrayOf("ClientTags", f("Key", fString), f("Value", fString)),
	}},
	TypeStreamsGroupTargetAssignmentMetadata: {name: "StreamsGroupTargetAssignmentMetadataValue",
		fields: []sfield{f("AssignmentEpoch", fInt32)}},
	TypeStreamsGroupTargetAssignmentMember: {name: "StreamsGroupTargetAssignmentMemberValue", fields: []sfield{
		fArrayOf("ActiveTasks", streamsTaskIDs...), fArrayOf("StandbyTasks", streamsTaskIDs...), fArrayOf("WarmupTasks", streamsTaskIDs...),
	}},
	TypeStreamsGroupCurrentMemberAssignment: {name: "StreamsGroupCurrentMemberAssignmentValue", fields: []sfield{
		f("MemberEpoch", fInt32), f("PreviousMemberEpoch", fInt32), f("State", fInt8),
		fArrayOf("ActiveTasks", streamsTaskIDs...), fArrayOf("StandbyTasks", streamsTaskIDs...), fArrayOf("WarmupTasks", streamsTaskIDs...),
		fArrayOf("ActiveTasksPendingRevocation", streamsTaskIDs...), fArrayOf("StandbyTasksPendingRevocation", streamsTaskIDs...),
		fArrayOf("WarmupTasksPendingRevocation", streamsTaskIDs...),
	}},
	TypeStreamsGroupTopology: {name: "StreamsGroupTopologyValue", fields: []sfield{
		f("Epoch", fInt32),
		fArrayOf("Subtopologies",
			f("SubtopologyId", fString), f("SourceTopics", fStrings), f("SourceTopicRegex", fStrings),
			fArrayOf("StateChangelogTopics", streamsTopicInfo...),
			f("RepartitionSinkTopics", fStrings),
			fArrayOf("RepartitionSourceTopics", streamsTopicInfo...),
			fArrayOf("CopartitionGroups", f("SourceTopics", fInt16s), f("SourceTopicRegex", fInt16s), f("RepartitionSourceTopics", fInt16s)),
		),
	}},
}

var streamsTaskIDs = []sfield{f("SubtopologyId", fString), f("Partitions", fInt32s)}

func nullableStruct(s sfield) sfield { s.nullable = true; return s }

var streamsTopicInfo = []sfield{
	f("Name", fString), f("Partitions", fInt32), f("ReplicationFactor", fInt16),
	fArrayOf("TopicConfigs", f("key", fString), f("value", fString)),
}

// Share-group state records (__share_group_state), by key type.
var shareStateSchemas = map[int16]*messageSchema{
	0: {name: "ShareSnapshotValue",
		fields: []sfield{
			f("SnapshotEpoch", fInt32), f("StateEpoch", fInt32), f("LeaderEpoch", fInt32), f("StartOffset", fInt64),
			f("CreateTimestamp", fInt64), f("WriteTimestamp", fInt64), fArrayOf("StateBatches", shareStateBatch...),
		},
		alt: [][]sfield{{ // the Kafka 4.0 preview
			f("SnapshotEpoch", fUint16), f("StateEpoch", fInt32), f("LeaderEpoch", fInt32), f("StartOffset", fInt64),
			fArrayOf("StateBatches", shareStateBatch...),
		}}},
	1: {name: "ShareUpdateValue",
		fields: []sfield{
			f("SnapshotEpoch", fInt32), f("LeaderEpoch", fInt32), f("StartOffset", fInt64), fArrayOf("StateBatches", shareStateBatch...),
		},
		alt: [][]sfield{{ // the Kafka 4.0 preview
			f("SnapshotEpoch", fUint16), f("LeaderEpoch", fInt32), f("StartOffset", fInt64), fArrayOf("StateBatches", shareStateBatch...),
		}}},
}

var shareStateBatch = []sfield{f("FirstOffset", fInt64), f("LastOffset", fInt64), f("DeliveryState", fInt8), f("DeliveryCount", fInt16)}

var topicIDPartition = fStructOf("TopicIdPartition", f("Name", fString), f("Id", fUUID), f("Partition", fInt32))

var segmentLeaderEpochs = fArrayOf("SegmentLeaderEpochs", f("LeaderEpoch", fInt32), f("Offset", fInt64))

// Remote log metadata records (__remote_log_metadata), by api key.
var remoteLogSchemas = map[uint32]*messageSchema{
	0: {name: "RemoteLogSegmentMetadataRecord", fields: []sfield{
		fStructOf("RemoteLogSegmentId", topicIDPartition, f("Id", fUUID)),
		f("StartOffset", fInt64), f("EndOffset", fInt64), f("BrokerId", fInt32), f("MaxTimestampMs", fInt64),
		f("EventTimestampMs", fInt64), segmentLeaderEpochs, f("SegmentSizeInBytes", fInt32),
		fNull("CustomMetadata", fBytes), f("RemoteLogSegmentState", fInt8),
		fTagged(0, 0, f("TxnIndexEmpty", fBool)), // Kafka 4.1+ (KIP-1105)
	}},
	1: {name: "RemoteLogSegmentMetadataUpdateRecord", fields: []sfield{
		fStructOf("RemoteLogSegmentId", topicIDPartition, f("Id", fUUID)),
		f("BrokerId", fInt32), f("EventTimestampMs", fInt64), fNull("CustomMetadata", fBytes), f("RemoteLogSegmentState", fInt8),
	}},
	2: {name: "RemotePartitionDeleteMetadataRecord", fields: []sfield{
		topicIDPartition, f("BrokerId", fInt32), f("EventTimestampMs", fInt64), f("RemotePartitionDeleteState", fInt8),
	}},
	3: {name: "RemoteLogSegmentMetadataSnapshotRecord", fields: []sfield{
		f("SegmentId", fUUID), f("StartOffset", fInt64), f("EndOffset", fInt64), f("BrokerId", fInt32),
		f("MaxTimestampMs", fInt64), f("EventTimestampMs", fInt64), segmentLeaderEpochs, f("SegmentSizeInBytes", fInt32),
		fNull("CustomMetadata", fBytes), f("RemoteLogSegmentState", fInt8),
		fTagged(0, 0, f("TxnIndexEmpty", fBool)),
	}},
}
