#!/usr/bin/env python3
"""nightly.planted: the done-when check of `mmrig nightly`, end to end and
long (builds four presets in its own tree, then a campaign of --time):
a copy of the source tree gets one planted bug (tests/planted/mutants),
scripts/nightly.py runs on it, and then

- the exit status is 1 and the planted signature is NEW, listed once
  (with --only, the only NEW one);
- its store entry is minimized to at most --max-ops ops, and the text
  reproducer replays with the same signature;
- report.html has the three plots and the signature, in the file and in
  headless Chromium's DOM, and its screenshot decodes (skipped parts are
  said when there is no chromium).

Registered only with -DMMRIG_NIGHTLY_TEST=ON (it takes 15 min or more)."""
import html
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import rigtest  # noqa: E402
import png  # noqa: E402

PLOTS = ("plot-coverage", "plot-execs", "plot-signatures")


def options(ap):
    ap.add_argument("--source", required=True, help="the source tree to copy")
    ap.add_argument("--work", required=True)
    ap.add_argument("--mutant", default="kzalloc-no-zero")
    ap.add_argument("--time", default="10m")
    ap.add_argument("--jobs", default=str(os.cpu_count() or 1))
    ap.add_argument("--max-ops", type=int, default=15)
    ap.add_argument("--only", action="store_true", help="the planted signature must be the only NEW one")
    ap.add_argument("--chromium", default=os.environ.get("CHROMIUM") or shutil.which("chromium"))


class NightlyPlanted(rigtest.TestCase):
    def plant(self, src):
        """The mutant written over its file in the copy; its spec."""
        a = rigtest.args
        spec_path = os.path.join(src, "tests", "planted", "mutants", a.mutant + ".mut")
        spec = rigtest.script("rig.plants", src).parse(spec_path)
        mutated = os.path.join(self.work, "mutant.c")
        p = rigtest.python(os.path.join(src, "tests", "planted", "mutate.py"), spec_path, src, mutated)
        self.assertExit(p, 0, "mutate.py")
        # mutate.py's first two lines (a comment and #line) are for
        # out-of-tree copies; here the mutant replaces the file itself.
        rigtest.write(os.path.join(src, spec.file), rigtest.read(mutated).split("\n", 2)[2])
        return spec

    def test_night(self):
        a = rigtest.args
        self.work = self.workdir()
        src = os.path.join(self.work, "src")
        rigtest.copy_source(a.source, src)
        spec = self.plant(src)
        sig = spec.signature
        print(f"planted {a.mutant} in {spec.file}: expecting {sig!r}")

        env = dict(os.environ, MMRIG_BUILD=os.path.join(self.work, "build"))
        night = os.path.join(self.work, "night")
        r = subprocess.run([sys.executable, os.path.join(src, "scripts", "nightly.py"), "--time", a.time,
                            "--jobs", a.jobs, "--out", night], env=env)
        with self.subTest("exit status"):
            self.assertEqual(r.returncode, 1, "nightly exit")
        self.assertTrue(os.path.exists(os.path.join(night, "latest")), "the night recorded no run")
        run = os.path.join(night, "runs", rigtest.read(os.path.join(night, "latest")).strip())
        self.assertEqual(os.path.realpath(os.path.join(night, "latest-run")), os.path.realpath(run),
                         "latest-run link")
        doc = rigtest.load_json(os.path.join(run, "nightly.json"))
        listed = [s for s in doc["signatures"] if s["signature"] == sig]
        self.assertEqual([s["status"] for s in listed], ["NEW"], f"planted signature listed {listed}")
        others = [s for s in doc["new_signatures"] if s != sig]
        if others:
            print(f"other NEW signatures: {others}")
            self.assertFalse(a.only, "the planted bug gave more than one NEW signature")

        store = os.path.join(night, "store")
        rows = {r["signature"]: r for r in rigtest.load_json(os.path.join(store, "summary.json"))["signatures"]}
        entry = rows.get(sig)
        self.assertIsNotNone(entry, "planted signature not in the store")
        self.assertIsNotNone(entry["ops_after"], "the reproducer has no op count")
        self.assertLessEqual(entry["ops_after"], a.max_ops, "reproducer ops")
        repro = os.path.join(store, entry["slug"], "reproducer.mmr")
        out = rigtest.run([os.path.join(self.work, "build", "host-asan", "harness", "engines", "mmrig-replay"),
                           "--json", repro], env=env)
        got = [x.get("signature") for x in json.loads(out.stdout or "{}").get("results", [])]
        self.assertEqual(got, [sig], "the reproducer replays as")

        page = rigtest.read(os.path.join(run, "report.html"))
        for pid in PLOTS:
            self.assertIn(f'id="{pid}"', page, f"report.html: no {pid}")
        self.assertIn(html.escape(sig), page, "report.html: no planted signature")
        if not a.chromium:
            print("note: no chromium, the page was not opened")
            return
        with tempfile.TemporaryDirectory() as ud:
            base = [a.chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--user-data-dir={ud}"]
            url = "file://" + os.path.join(run, "report.html")
            shot = os.path.join(self.work, "report.png")
            rigtest.run(base + [f"--screenshot={shot}", "--window-size=1280,2400", url], timeout=300)
            dom = rigtest.run(base + ["--dump-dom", url], timeout=300).stdout
        for pid in PLOTS:
            self.assertRegex(dom, rf'<svg [^>]*id="{pid}"', f"DOM: no {pid}")
        self.assertIn(html.escape(sig, quote=False), dom, "DOM: no planted signature")
        self.assertTrue(os.path.exists(shot), "no screenshot")
        w, h, ch, rows_ = png.read(shot)
        orange = sum(row.count(bytes((0xff, 0x7f, 0x0e))) for row in rows_)
        self.assertGreater(orange, 500, "screenshot: pixels of NEW bars")


if __name__ == "__main__":
    rigtest.main(options)
