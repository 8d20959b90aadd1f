package fsutil_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kseg/kseg/internal/fsutil"
	"github.com/kseg/kseg/internal/testutil"
	"golang.org/x/sys/unix"
)

const helperEnv = "KSEG_FSUTIL_LOCK_HELPER"

// TestHelperProcess is not a test: it is the child process the lock tests
// start, because a process never sees its own classic fcntl locks through
// F_GETLK. KSEG_FSUTIL_LOCK_HELPER selects what it does with the file named
// by KSEG_FSUTIL_LOCK_PATH:
//
//	posix  take a classic exclusive whole-file lock (F_SETLK), exactly what
//	       Java's FileChannel.tryLock() does for a Kafka broker, print
//	       "locked", and hold it until stdin is closed
//	ofd    the same with an OFD lock (F_OFD_SETLK)
//	try    try F_SETLK once, print "ok" or the errno, and exit
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		t.Skip("helper process for the lock tests")
	}
	f, err := os.OpenFile(os.Getenv("KSEG_FSUTIL_LOCK_PATH"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		fmt.Println(err)
		os.Exit(2)
	}
	cmd := unix.F_SETLK
	if mode == "ofd" {
		cmd = unix.F_OFD_SETLK
	}
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart}
	err = unix.FcntlFlock(f.Fd(), cmd, &lk)
	switch {
	case mode == "try" && err == nil:
		fmt.Println("ok")
		os.Exit(0)
	case mode == "try":
		fmt.Println(unix.ErrnoName(err.(unix.Errno)))
		os.Exit(0)
	case err != nil:
		fmt.Println(err)
		os.Exit(2)
	}
	fmt.Println("locked")
	_, _ = io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}

// startHelper runs the helper in a holding mode on path and returns once the
// lock is taken. The child exits when the test ends.
func startHelper(t *testing.T, mode, path string) (pid int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, "KSEG_FSUTIL_LOCK_PATH="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("helper %s: %v", mode, err)
	}
	if line = strings.TrimSpace(line); line != "locked" {
		t.Fatalf("helper %s: %s", mode, line)
	}
	return cmd.Process.Pid
}

// brokerCouldLock reports whether a Java-style tryLock from another process
// would succeed right now. The child has exited (dropping any lock it got)
// when it returns.
func brokerCouldLock(t *testing.T, path string) bool {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"=try", "KSEG_FSUTIL_LOCK_PATH="+path)
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper try: %v: %s", err, b)
	}
	switch out := strings.TrimSpace(string(b)); out {
	case "ok":
		return true
	case "EAGAIN", "EACCES":
		return false
	default:
		t.Fatalf("helper try: %s", out)
	}
	return false
}

func TestLockHeldAbsent(t *testing.T) {
	dir := t.TempDir()
	before := testutil.HashTree(t, dir)
	held, pid, err := fsutil.LockHeld(dir)
	if err != nil || held || pid != 0 {
		t.Fatalf("LockHeld = %v, %d, %v", held, pid, err)
	}
	testutil.RequireUnchanged(t, dir, before) // in particular: no .lock created
}

func TestLockHeldUnlocked(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, fsutil.LockFileName), nil)
	before := testutil.HashTree(t, dir)
	held, _, err := fsutil.LockHeld(dir)
	if err != nil || held {
		t.Fatalf("LockHeld = %v, %v", held, err)
	}
	testutil.RequireUnchanged(t, dir, before)
}

func TestLockHeldByOtherProcess(t *testing.T) {
	for _, tc := range []struct {
		mode    string
		wantPID bool
	}{
		{"posix", true}, // a broker: Java FileChannel.tryLock
		{"ofd", false},  // OFD locks have no owning pid (F_GETLK reports -1)
	} {
		t.Run(tc.mode, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "meta.properties"), []byte("version=1\n"))
			lockPath := filepath.Join(dir, fsutil.LockFileName)
			child := startHelper(t, tc.mode, lockPath)

			before := testutil.HashTree(t, dir)
			held, pid, err := fsutil.LockHeld(dir)
			if err != nil || !held {
				t.Fatalf("LockHeld = %v, %d, %v; want held", held, pid, err)
			}
			if tc.wantPID && pid != child || !tc.wantPID && pid != 0 {
				t.Fatalf("pid = %d, child %d", pid, child)
			}
			// A writer must be refused, naming the holder when known.
			release, err := fsutil.AcquireLock(dir)
			if !errors.Is(err, fsutil.ErrLocked) {
				t.Fatalf("AcquireLock: err = %v, want ErrLocked", err)
			}
			if release != nil {
				t.Fatal("release func returned with error")
			}
			if tc.wantPID && !strings.Contains(err.Error(), fmt.Sprint(child)) {
				t.Errorf("error does not name pid %d: %v", child, err)
			}
			// The probe (and the refused AcquireLock) changed nothing.
			testutil.RequireUnchanged(t, dir, before)
		})
	}
}

// TestAcquireLockExcludesBroker: while kseg holds .lock, a broker's tryLock
// from another process fails, and succeeds again after release.
func TestAcquireLockExcludesBroker(t *testing.T) {
	dir := t.TempDir()
	lockPath := filepath.Join(dir, fsutil.LockFileName)
	release, err := fsutil.AcquireLock(dir)
	if err != nil {
		t.Fatal(err)
	}
	if brokerCouldLock(t, lockPath) {
		t.Fatal("broker-style F_SETLK succeeded while kseg holds the lock")
	}
	// The probe sees our own OFD lock too, and opening and closing .lock
	// again (as LockHeld does) does not drop it.
	if held, _, err := fsutil.LockHeld(dir); err != nil || !held {
		t.Fatalf("LockHeld = %v, %v", held, err)
	}
	if _, err := fsutil.AcquireLock(dir); !errors.Is(err, fsutil.ErrLocked) {
		t.Fatalf("second AcquireLock: err = %v, want ErrLocked", err)
	}
	if brokerCouldLock(t, lockPath) {
		t.Fatal("lock dropped by LockHeld's close")
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	if err := release(); err != nil {
		t.Fatalf("second release: %v", err)
	}
	if held, _, err := fsutil.LockHeld(dir); err != nil || held {
		t.Fatalf("after release: LockHeld = %v, %v", held, err)
	}
	if !brokerCouldLock(t, lockPath) {
		t.Fatal("broker-style F_SETLK failed after release")
	}
}

// getlk runs one F_GETLK-style query on a fresh read-only descriptor.
func getlk(t *testing.T, path string, cmd int) (typ int16, pid int32) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart}
	if err := unix.FcntlFlock(f.Fd(), cmd, &lk); err != nil {
		t.Fatalf("fcntl %d: %v", cmd, err)
	}
	return lk.Type, lk.Pid
}

// TestLockVisibility pins down the Linux facts lock_linux.go relies on.
func TestLockVisibility(t *testing.T) {
	t.Run("other process", func(t *testing.T) {
		for _, holder := range []string{"posix", "ofd"} {
			path := filepath.Join(t.TempDir(), fsutil.LockFileName)
			child := startHelper(t, holder, path)
			wantPID := int32(child)
			if holder == "ofd" {
				wantPID = -1
			}
			for _, q := range []struct {
				name string
				cmd  int
			}{{"F_GETLK", unix.F_GETLK}, {"F_OFD_GETLK", unix.F_OFD_GETLK}} {
				typ, pid := getlk(t, path, q.cmd)
				if typ != unix.F_WRLCK || pid != wantPID {
					t.Errorf("%s lock seen by %s: type %d pid %d, want F_WRLCK pid %d", holder, q.name, typ, pid, wantPID)
				}
			}
		}
	})
	t.Run("own classic lock", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), fsutil.LockFileName)
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart}
		if err := unix.FcntlFlock(f.Fd(), unix.F_SETLK, &lk); err != nil {
			t.Fatal(err)
		}
		// F_GETLK never reports the caller's own classic locks...
		if typ, _ := getlk(t, path, unix.F_GETLK); typ != unix.F_UNLCK {
			t.Errorf("F_GETLK saw own classic lock")
		}
		// ...and the getlk above closed a descriptor of the file, which
		// silently dropped the classic lock held through f: the reason
		// AcquireLock uses OFD locks.
		if !brokerCouldLock(t, path) {
			t.Errorf("classic lock survived closing another descriptor")
		}
		if err := unix.FcntlFlock(f.Fd(), unix.F_SETLK, &lk); err != nil {
			t.Fatal(err)
		}
		// F_OFD_GETLK does report it (pid = ours).
		if typ, pid := getlk(t, path, unix.F_OFD_GETLK); typ != unix.F_WRLCK || int(pid) != os.Getpid() {
			t.Errorf("F_OFD_GETLK on own classic lock: type %d pid %d", typ, pid)
		}
	})
}

func TestFindLogDir(t *testing.T) {
	root := t.TempDir()
	logDir := makeLogDir(t, root)
	seg := filepath.Join(logDir, "t-0", "00000000000000000000.log")
	for _, p := range []string{logDir, filepath.Join(logDir, "t-0"), seg} {
		if got, ok := fsutil.FindLogDir(p); !ok || got != logDir {
			t.Errorf("FindLogDir(%s) = %s, %v; want %s", p, got, ok, logDir)
		}
	}
	// A symlinked partition resolves to the real log dir.
	link := filepath.Join(root, "plink")
	if err := os.Symlink(filepath.Join(logDir, "u-0"), link); err != nil {
		t.Fatal(err)
	}
	if got, ok := fsutil.FindLogDir(link); !ok || got != logDir {
		t.Errorf("FindLogDir(symlink) = %s, %v", got, ok)
	}
	if got, ok := fsutil.FindLogDir(filepath.Join(root)); ok {
		t.Errorf("FindLogDir(root) = %s, want none", got)
	}
}
