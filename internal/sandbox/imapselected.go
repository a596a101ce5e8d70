package sandbox

import (
	"fmt"
	"io"
	"reflect"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
)

// The selected state of an IMAP session: the commands that work on the
// messages of one mailbox (FETCH, SEARCH, STORE, EXPUNGE, COPY, MOVE).
// Sequence numbers are always the client's view (selectedMailbox.tracker).

// forEachLocked calls f for each message of the selected mailbox in set,
// with the sequence number this client knows it by. Messages the client
// has not yet been told about (seq 0) are skipped.
func (sel *selectedMailbox) forEachLocked(set imap.NumSet, f func(seq, storeSeq uint32, msg *message)) {
	for i, msg := range sel.mbox.messages {
		storeSeq := uint32(i) + 1
		seq := sel.tracker.EncodeSeqNum(storeSeq)
		if seq != 0 && sel.containsLocked(set, seq, msg.uid) {
			f(seq, storeSeq, msg)
		}
	}
}

// containsLocked reads "*" as the largest number the client knows: the
// last sequence number, or the last UID (RFC 3501 section 9, seq-number).
func (sel *selectedMailbox) containsLocked(set imap.NumSet, seq uint32, uid imap.UID) bool {
	switch set := set.(type) {
	case imap.SeqSet:
		return numSetContains(set, seq, sel.lastSeqLocked())
	case imap.UIDSet:
		return numSetContains(uidRanges(set), uint32(uid), uint32(sel.mbox.lastUIDLocked()))
	}
	return false
}

func (sel *selectedMailbox) lastSeqLocked() uint32 {
	for i := len(sel.mbox.messages); i > 0; i-- {
		if seq := sel.tracker.EncodeSeqNum(uint32(i)); seq != 0 {
			return seq
		}
	}
	return 0
}

func numSetContains(set imap.SeqSet, n, star uint32) bool {
	for _, r := range set {
		start, stop := r.Start, r.Stop
		if start == 0 {
			start = star
		}
		if stop == 0 {
			stop = star
		}
		if start > stop {
			start, stop = stop, start
		}
		if n >= start && n <= stop {
			return true
		}
	}
	return false
}

func (s *imapSession) Expunge(w *imapserver.ExpungeWriter, uids *imap.UIDSet) error {
	sel := s.selected
	if sel.readOnly {
		if isCloseExpunge(w) {
			return nil // CLOSE of an EXAMINEd mailbox expunges nothing
		}
		return errReadOnly
	}
	st := s.store()
	st.mu.Lock()
	defer st.mu.Unlock()
	// The EXPUNGE responses for this session, too, come from the tracker
	// when imapserver polls after the command.
	removed := sel.mbox.removeLocked(func(msg *message) bool {
		if !msg.hasFlag(imap.FlagDeleted) {
			return false
		}
		return uids == nil || numSetContains(uidRanges(*uids), uint32(msg.uid), uint32(sel.mbox.lastUIDLocked()))
	})
	if len(removed) > 0 {
		s.backend.logf("%s: expunged %d messages from %s", s.label, len(removed), sel.mbox.name)
	}
	return nil
}

// isCloseExpunge tells CLOSE's implicit expunge from an EXPUNGE command:
// imapserver passes CLOSE a writer with no connection (it must send no
// EXPUNGE responses). go-imap is pinned, so reading that unexported field
// is safe; if it ever disappears this reports false, the strict answer.
func isCloseExpunge(w *imapserver.ExpungeWriter) bool {
	v := reflect.ValueOf(w).Elem().FieldByName("conn")
	return v.IsValid() && v.Kind() == reflect.Pointer && v.IsNil()
}

func uidRanges(set imap.UIDSet) imap.SeqSet {
	ranges := make(imap.SeqSet, len(set))
	for i, r := range set {
		ranges[i] = imap.SeqRange{Start: uint32(r.Start), Stop: uint32(r.Stop)}
	}
	return ranges
}

func (s *imapSession) Search(kind imapserver.NumKind, criteria *imap.SearchCriteria, options *imap.SearchOptions) (*imap.SearchData, error) {
	sel := s.selected
	st := s.store()
	st.mu.Lock()
	var seqs imap.SeqSet
	var uids imap.UIDSet
	data := &imap.SearchData{}
	lastSeq, lastUID := sel.lastSeqLocked(), uint32(sel.mbox.lastUIDLocked())
	for i, msg := range sel.mbox.messages {
		seq := sel.tracker.EncodeSeqNum(uint32(i) + 1)
		if seq == 0 || !matchSearch(msg, seq, criteria, lastSeq, lastUID) {
			continue
		}
		n := seq
		if kind == imapserver.NumKindUID {
			n = uint32(msg.uid)
			uids.AddNum(msg.uid)
		} else {
			seqs.AddNum(seq)
		}
		if data.Count == 0 || n < data.Min {
			data.Min = n
		}
		if n > data.Max {
			data.Max = n
		}
		data.Count++
	}
	st.mu.Unlock()
	if kind == imapserver.NumKindUID {
		data.All = uids
	} else {
		data.All = seqs
	}
	return data, nil
}

// fetched is what Fetch copies out under the lock; the raw bytes are
// immutable, so the response is written after unlocking.
type fetched struct {
	seq          uint32
	uid          imap.UID
	raw          []byte
	received     time.Time
	flags        []imap.Flag
	flagsChanged bool
}

func (s *imapSession) Fetch(w *imapserver.FetchWriter, numSet imap.NumSet, options *imap.FetchOptions) error {
	sel := s.selected
	markSeen := false
	for _, bs := range options.BodySection {
		markSeen = markSeen || !bs.Peek
	}
	for _, bs := range options.BinarySection {
		markSeen = markSeen || !bs.Peek
	}
	markSeen = markSeen && !sel.readOnly

	st := s.store()
	st.mu.Lock()
	var items []fetched
	sel.forEachLocked(numSet, func(seq, storeSeq uint32, msg *message) {
		it := fetched{seq: seq, uid: msg.uid, raw: msg.raw, received: msg.received}
		if markSeen && !msg.hasFlag(imap.FlagSeen) {
			// RFC 3501 6.4.5: \Seen is set implicitly, and the changed
			// FLAGS go with this response; other sessions are told too.
			msg.setFlag(imap.FlagSeen)
			sel.mbox.tracker.QueueMessageFlags(storeSeq, msg.uid, msg.flagList(), sel.tracker)
			it.flagsChanged = true
		}
		it.flags = msg.flagList()
		items = append(items, it)
	})
	st.mu.Unlock()

	for _, it := range items {
		if err := writeFetch(w, it, options); err != nil {
			return err
		}
	}
	return nil
}

func writeFetch(w *imapserver.FetchWriter, it fetched, options *imap.FetchOptions) error {
	rw := w.CreateMessage(it.seq)
	if options.UID {
		rw.WriteUID(it.uid)
	}
	if options.Flags || it.flagsChanged {
		rw.WriteFlags(it.flags)
	}
	if options.InternalDate {
		rw.WriteInternalDate(it.received)
	}
	if options.RFC822Size {
		rw.WriteRFC822Size(int64(len(it.raw)))
	}
	if options.Envelope {
		rw.WriteEnvelope(envelopeOf(it.raw))
	}
	if options.BodyStructure != nil {
		rw.WriteBodyStructure(imapserver.ExtractBodyStructure(newBytesReader(it.raw)))
	}
	for _, bs := range options.BodySection {
		data := bodySection(it.raw, bs)
		wc := rw.WriteBodySection(bs, int64(len(data)))
		if err := writeAndClose(wc, data); err != nil {
			return err
		}
	}
	for _, bs := range options.BinarySection {
		data := imapserver.ExtractBinarySection(newBytesReader(it.raw), bs)
		wc := rw.WriteBinarySection(bs, int64(len(data)))
		if err := writeAndClose(wc, data); err != nil {
			return err
		}
	}
	for _, bss := range options.BinarySectionSize {
		rw.WriteBinarySectionSize(bss, imapserver.ExtractBinarySectionSize(newBytesReader(it.raw), bss))
	}
	return rw.Close()
}

func writeAndClose(wc io.WriteCloser, data []byte) error {
	_, writeErr := wc.Write(data)
	closeErr := wc.Close()
	if writeErr != nil {
		return writeErr
	}
	return closeErr
}

func (s *imapSession) Store(w *imapserver.FetchWriter, numSet imap.NumSet, flags *imap.StoreFlags, options *imap.StoreOptions) error {
	sel := s.selected
	if sel.readOnly {
		return errReadOnly
	}
	_, byUID := numSet.(imap.UIDSet)
	st := s.store()
	st.mu.Lock()
	var items []fetched
	sel.forEachLocked(numSet, func(seq, storeSeq uint32, msg *message) {
		before := fmt.Sprint(msg.flagList())
		switch flags.Op {
		case imap.StoreFlagsSet:
			msg.flags = map[string]imap.Flag{}
			fallthrough
		case imap.StoreFlagsAdd:
			for _, f := range flags.Flags {
				msg.setFlag(f)
			}
		case imap.StoreFlagsDel:
			for _, f := range flags.Flags {
				msg.clearFlag(f)
			}
		}
		list := msg.flagList()
		if fmt.Sprint(list) != before {
			sel.mbox.tracker.QueueMessageFlags(storeSeq, msg.uid, list, sel.tracker)
		}
		items = append(items, fetched{seq: seq, uid: msg.uid, flags: list})
	})
	st.mu.Unlock()
	if flags.Silent {
		return nil
	}
	for _, it := range items {
		if err := writeFetch(w, it, &imap.FetchOptions{Flags: true, UID: byUID}); err != nil {
			return err
		}
	}
	return nil
}

func (s *imapSession) Copy(numSet imap.NumSet, destName string) (*imap.CopyData, error) {
	dest, unlock := s.lockMailbox(destName)
	defer unlock()
	if dest == nil {
		return nil, errTryCreate(destName)
	}
	return copyLocked(s.selected.messagesLocked(numSet), dest), nil
}

// messagesLocked lists the messages of the selected mailbox in set.
func (sel *selectedMailbox) messagesLocked(set imap.NumSet) []*message {
	var msgs []*message
	sel.forEachLocked(set, func(_, _ uint32, msg *message) { msgs = append(msgs, msg) })
	return msgs
}

// copyLocked appends copies of msgs, flags and dates kept, to dest and
// returns what COPYUID reports.
func copyLocked(msgs []*message, dest *mailbox) *imap.CopyData {
	data := &imap.CopyData{UIDValidity: dest.uidValidity}
	for _, msg := range msgs {
		copied := dest.appendLocked(msg.raw, msg.flagList(), msg.received)
		data.SourceUIDs.AddNum(msg.uid)
		data.DestUIDs.AddNum(copied.uid)
	}
	return data
}

// Move is RFC 6851: copy, then expunge the originals. The COPYUID response
// goes out here; the EXPUNGE responses follow from the tracker when
// imapserver polls after the command, as the RFC orders them.
func (s *imapSession) Move(w *imapserver.MoveWriter, numSet imap.NumSet, destName string) error {
	sel := s.selected
	if sel.readOnly {
		return errReadOnly
	}
	dest, unlock := s.lockMailbox(destName)
	if dest == nil {
		unlock()
		return errTryCreate(destName)
	}
	if dest == sel.mbox {
		unlock()
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeCannot, Text: "source and destination are the same mailbox"}
	}
	sources := sel.messagesLocked(numSet)
	data := copyLocked(sources, dest)
	moving := make(map[*message]bool, len(sources))
	for _, msg := range sources {
		moving[msg] = true
	}
	sel.mbox.removeLocked(func(msg *message) bool { return moving[msg] })
	unlock()
	if len(sources) == 0 {
		return nil
	}
	return w.WriteCopyData(data)
}
