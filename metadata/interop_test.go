package metadata

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestFranzLeaderChange cross-checks the LeaderChange control record against
// franz-go's independently generated kmsg.LeaderChangeMessage (the only KRaft
// record kmsg models): its v0 encoding decodes here, and ours decodes there.
func TestFranzLeaderChange(t *testing.T) {
	m := kmsg.NewLeaderChangeMessage()
	m.LeaderID = 3
	for _, id := range []int32{1, 2, 3} {
		v := kmsg.NewLeaderChangeMessageVoter()
		v.VoterID = id
		m.Voters = append(m.Voters, v)
	}
	g := kmsg.NewLeaderChangeMessageVoter()
	g.VoterID = 3
	m.GrantingVoters = append(m.GrantingVoters, g)
	c, err := DecodeControl(ControlLeaderChange, m.AppendTo(nil))
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"version":0,"leaderId":3,"voters":[{"voterId":1},{"voterId":2},{"voterId":3}],"grantingVoters":[{"voterId":3}]}`
	if got := string(c.AppendJSON(nil)); got != want {
		t.Fatalf("got %s", got)
	}
	b, err := EncodeControl(nil, ControlLeaderChange, c.Data)
	if err != nil {
		t.Fatal(err)
	}
	var back kmsg.LeaderChangeMessage
	if err := back.ReadFrom(b); err != nil {
		t.Fatal(err)
	}
	if back.LeaderID != 3 || len(back.Voters) != 3 || back.Voters[2].VoterID != 3 || len(back.GrantingVoters) != 1 {
		t.Fatalf("franz-go read %+v", back)
	}
}
