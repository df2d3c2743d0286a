"""Where the engines leave crash, timeout, OOM, leak and hang files, and
how they are named: the campaign lists them as they appear, triage takes
them from a campaign directory or an AFL++ instance.

A campaign directory (scripts/campaign.py's --out) holds libfuzzer/crashes/
(libFuzzer's -artifact_prefix) and afl/<instance>/ (afl-fuzz -o)."""
import os

from rig.fs import listdir_sorted

# libFuzzer names an artifact after what it found.
LIBFUZZER_PREFIXES = ("crash-", "timeout-", "oom-", "leak-")
# AFL++ names every finding (and queue entry) id:NNNNNN,...
AFL_PREFIX = "id:"
# AFL++ bookkeeping and libFuzzer's log, which can sit next to artifacts.
BOOKKEEPING = {"README.txt", "fuzzer_stats", "plot_data", "cmdline", "fuzz_bitmap",
               "fuzzer_setup", "target_hash", "fuzz.log"}


def libfuzzer_dir(campaign):
    return os.path.join(campaign, "libfuzzer", "crashes")


def afl_dir(campaign):
    return os.path.join(campaign, "afl")


def is_campaign(d):
    return os.path.isdir(libfuzzer_dir(d)) or os.path.isdir(afl_dir(d))


def is_afl_instance(d):
    return os.path.isfile(os.path.join(d, "fuzzer_stats")) or (
        os.path.isdir(os.path.join(d, "queue"))
        and (os.path.isdir(os.path.join(d, "crashes")) or os.path.isdir(os.path.join(d, "hangs"))))


def afl_artifacts(inst):
    """crashes/ and hangs/, and the crashes.<date>/ and hangs.<date>/ an
    in-place resume of AFL++ 4.04c moves earlier findings to."""
    out = []
    subs = [n for n in listdir_sorted(inst)
            if n in ("crashes", "hangs") or n.startswith(("crashes.", "hangs."))]
    for sub in subs:
        if not os.path.isdir(os.path.join(inst, sub)):
            continue
        for name in listdir_sorted(os.path.join(inst, sub)):
            if name.startswith(AFL_PREFIX):
                out.append(os.path.join(inst, sub, name))
    return out


def campaign_artifacts(d):
    """Every artifact of the campaign in d: libFuzzer's, then each AFL++
    instance's (in name order; dot directories are not instances)."""
    crashes = libfuzzer_dir(d)
    out = [os.path.join(crashes, n) for n in listdir_sorted(crashes)
           if n.startswith(LIBFUZZER_PREFIXES)]
    for inst in listdir_sorted(afl_dir(d)):
        if not inst.startswith("."):
            out += afl_artifacts(os.path.join(afl_dir(d), inst))
    return out
