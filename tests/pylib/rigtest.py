"""What every Python test of the rig shares, on top of unittest.

A test script declares its TestCase classes and ends with
`rigtest.main(options)`, `options(ap)` adding the options ctest passes
(argparse). Those are parsed into `rigtest.args` (one namespace, so
`from rigtest import args` at import time sees them) before any test runs;
what the script does not declare goes to unittest (-v, -k PATTERN, a test
name), so one test can be run by hand. The exit status is the verdict
ctest reads: 0 passed, 1 a test failed or none ran, 77 every test skipped
(the suites' SKIP_RETURN_CODE).

Work directories (TestCase.workdir, shared_workdir) live below --work
when the script has that option, else in the system's temporary
directory; they are removed when their tests pass and kept, with their
path printed, when one fails, so a failure can be looked at.
"""
import argparse
import hashlib
import importlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

SKIP = 77
args = argparse.Namespace()

_test_dirs = {}      # test id -> [directories it made]
_shared_dirs = []    # directories made for the whole run
_failed = set()      # ids of the tests that failed
_tmp = None          # the run's own directory when there is no --work


def _base():
    global _tmp
    work = getattr(args, "work", None)
    if work:
        os.makedirs(work, exist_ok=True)
        return work
    if _tmp is None:
        _tmp = tempfile.mkdtemp(prefix="mmrig-test-")
    return _tmp


def remove(path):
    """rm -rf, also through directories a test made read-only."""
    def writable(func, p, _):
        os.chmod(os.path.dirname(p), stat.S_IRWXU)
        if os.path.isdir(p) and not os.path.islink(p):
            os.chmod(p, stat.S_IRWXU)
        func(p)
    if os.path.lexists(path):
        shutil.rmtree(path, onerror=writable)


def _fresh(path):
    remove(path)
    os.makedirs(path)
    return path


def shared_workdir(name):
    """A fresh directory for every test of the run (a fake build, a store
    several tests read)."""
    path = _fresh(os.path.join(_base(), name))
    _shared_dirs.append(path)
    return path


class TestCase(unittest.TestCase):
    maxDiff = None

    def workdir(self, name=None):
        """A fresh directory of this test's own."""
        path = _fresh(os.path.join(_base(), name or self._testMethodName))
        _test_dirs.setdefault(self.id(), []).append(path)
        return path

    def chdir(self, path):
        """cd for the rest of the test; back where it was afterwards."""
        self.addCleanup(os.chdir, os.getcwd())
        os.chdir(path)

    def assertExit(self, p, want, msg=""):
        """p (a finished run) exited want; else the failure shows its output."""
        if p.returncode != want:
            cmd = " ".join(map(str, p.args)) if isinstance(p.args, (list, tuple)) else p.args
            self.fail(f"{msg + ': ' if msg else ''}{cmd} exited {p.returncode}, want {want}\n"
                      f"{output(p)[-4000:]}")

    def assertSameTree(self, before, after, msg):
        """Two tree() or snapshot() states are equal; else the paths that differ."""
        diff = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        if diff:
            self.fail(f"{msg}: differs in {diff}")


def run(cmd, timeout=600, **kw):
    """cmd run to its end; stdout and stderr captured as text unless the
    caller routes them."""
    if "stdout" not in kw and "stderr" not in kw:
        kw["capture_output"] = True
    return subprocess.run([str(c) for c in cmd], text=True, timeout=timeout, **kw)


def python(script, *argv, **kw):
    """A Python script of the rig run under this interpreter."""
    return run([sys.executable, script, *argv], **kw)


def output(p):
    return (p.stdout or "") + (p.stderr or "")


def signature(text):
    """The first SIGNATURE: line of a replay's report, or None."""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("SIGNATURE: "):
            return line[len("SIGNATURE: "):]
    return None


def load_json(path):
    with open(path) as f:
        return json.load(f)


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def write(path, data):
    """path (its directories made) holding data, text or bytes."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)
    return path


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def tree(d):
    """relative path -> sha256 (a file) or 'dir': the contents below d."""
    out = {}
    for base, dirs, files in os.walk(d):
        for n in dirs:
            out[os.path.relpath(os.path.join(base, n), d)] = "dir"
        for n in files:
            p = os.path.join(base, n)
            out[os.path.relpath(p, d)] = sha256(p)
    return out


def snapshot(d):
    """tree() with each entry's mode, mtime and size: what "untouched" means."""
    out = {}
    for base, dirs, files in os.walk(d):
        for n in dirs + files:
            p = os.path.join(base, n)
            st = os.lstat(p)
            out[os.path.relpath(p, d)] = (sha256(p) if os.path.isfile(p) else "dir",
                                          st.st_mode, st.st_mtime_ns, st.st_size)
    return out


def copy_source(source, dest):
    """The source tree as it stands in the working tree, without builds:
    the files git tracks or would track (new ones too) when source is a
    git checkout's top, else everything but build/, out/ and __pycache__. A test that
    edits or builds the tree does it to this copy, never to the real one."""
    top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=source,
                         capture_output=True, text=True)
    p = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                       cwd=source, capture_output=True)
    # Only a checkout's top: a directory below one may be what it ignores.
    if top.returncode == 0 and os.path.realpath(top.stdout.strip()) == os.path.realpath(source) \
            and p.returncode == 0:
        for rel in sorted(set(filter(None, p.stdout.decode().split("\0")))):
            src = os.path.join(source, rel)
            if os.path.isfile(src):  # not deleted in the working tree
                os.makedirs(os.path.dirname(os.path.join(dest, rel)), exist_ok=True)
                shutil.copy2(src, os.path.join(dest, rel))
        return dest
    skip = {"build", "out"}
    shutil.copytree(source, dest, dirs_exist_ok=True, symlinks=True,
                    ignore=lambda d, names: [n for n in names if n == "__pycache__"
                                             or (os.path.samefile(d, source) and n in skip)])
    return dest


def root_and_work(ap):
    """The options of a test of the scripts: the source tree and a work
    directory."""
    ap.add_argument("--root", required=True, type=os.path.abspath)
    ap.add_argument("--work", required=True)


def script(name, root=None):
    """A module of the rig's scripts/ (rig.common, nightly...) imported from
    the tree under test, --root by default."""
    sys.dont_write_bytecode = True
    scripts = os.path.join(root or args.root, "scripts")
    if scripts not in sys.path:
        sys.path.insert(0, scripts)
    return importlib.import_module(name)


class _Result(unittest.TextTestResult):
    def addFailure(self, test, err):
        _failed.add(test.id())
        super().addFailure(test, err)

    def addError(self, test, err):
        _failed.add(test.id())
        super().addError(test, err)

    def addSubTest(self, test, subtest, err):
        if err is not None:
            _failed.add(test.id())
        super().addSubTest(test, subtest, err)

    def stopTest(self, test):
        super().stopTest(test)
        for d in _test_dirs.pop(test.id(), []):
            if test.id() in _failed:
                self.stream.writeln(f"kept for inspection: {d}")
            else:
                remove(d)
        self.stream.flush()


class _Runner(unittest.TextTestRunner):
    resultclass = _Result


def verdict(result):
    """ctest's exit status for a finished unittest run."""
    if not result.wasSuccessful() or not (result.testsRun or result.skipped):
        return 1
    if result.skipped and len(result.skipped) >= result.testsRun:
        return SKIP
    return 0


def main(options=None, cases=None):
    """Parses the script's options into rigtest.args, runs its tests, exits
    with the verdict. cases: {name on the command line: test name} for a
    script whose ctest entries each run one part (a first positional)."""
    ap = argparse.ArgumentParser(description=sys.modules["__main__"].__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    if cases:
        ap.add_argument("case", choices=sorted(cases))
    if options:
        options(ap)
    _, rest = ap.parse_known_args(namespace=args)
    if getattr(args, "work", None):
        args.work = os.path.abspath(args.work)
    names = [cases[args.case]] if cases else []
    sys.stdout.reconfigure(line_buffering=True)
    prog = unittest.main(module="__main__", argv=[sys.argv[0], *rest, *names], exit=False,
                         verbosity=2, testRunner=_Runner)
    code = verdict(prog.result)
    for d in _shared_dirs + ([_tmp] if _tmp else []):
        if code == 1:
            print(f"kept for inspection: {d}")
        else:
            remove(d)
    sys.exit(code)
