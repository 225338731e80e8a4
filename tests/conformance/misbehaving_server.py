"""A protocol server that answers like the reference, except for the fault its options ask for.

The harness tests start it as a real process: ``python misbehaving_server.py --hang-at 2``.
Without options it is a correct server (so every fault is the option's doing). The reference
is imported at the first ``run``, so the ``start`` reply comes at once even on a busy machine.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from functools import cache

from conformance.operations import OPERATIONS

FOREVER = 3600


@cache
def reference():
    """The reference adapter, imported on first use."""
    from conformance.adapters.reference import ReferenceAdapter

    return ReferenceAdapter()


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--name", default="misbehaving")
    parser.add_argument("--operations", help="comma-separated; default: every one")
    parser.add_argument("--silent-start", action="store_true", help="never answer start")
    parser.add_argument("--hang-at", type=int, help="never answer the Nth run")
    parser.add_argument("--die-at", type=int, help="exit with status 3 at the Nth run")
    parser.add_argument("--seq", type=int, help="number every reply with this seq")
    parser.add_argument("--stray-after", type=int, help="print a log line after the Nth reply")
    parser.add_argument("--endless-line-at", type=int, help="write without end at the Nth run")
    parser.add_argument("--tags-as-string", action="store_true", help="tags as one string")
    parser.add_argument("--skip-all", action="store_true", help="skip every run")
    parser.add_argument("--exit-status", type=int, default=0, help="exit status after stop")
    parser.add_argument("--ignore-stop", action="store_true", help="keep running after stop")
    parser.add_argument("--line-after-stop", action="store_true", help="print a line at stop")
    return parser.parse_args()


def reply_to_run(message: dict, args: argparse.Namespace) -> dict:
    from conformance.protocol import answer_json, request_from_json

    seq = message["seq"] if args.seq is None else args.seq
    if args.skip_all:
        return {"seq": seq, "skip": "this tool skips everything"}
    reply = answer_json(seq, reference().answer_safely(request_from_json(message["case"])))
    tags = reply.get("output", {}).get("tags")
    if args.tags_as_string and isinstance(tags, list):
        reply["output"]["tags"] = ",".join(tags)
    return reply


def main() -> int:
    args = options()
    runs = 0
    for line in sys.stdin:
        message = json.loads(line)
        if message["cmd"] == "stop":
            if args.line_after_stop:
                print("bye", flush=True)
            if args.ignore_stop:
                time.sleep(FOREVER)
            return args.exit_status
        if message["cmd"] == "start":
            if args.silent_start:
                time.sleep(FOREVER)
            operations = OPERATIONS.keys()
            if args.operations is not None:
                operations = frozenset(filter(None, args.operations.split(",")))
            reply = {"protocol": 1, "ready": True, "operations": sorted(operations),
                     "implementation": {"name": args.name, "version": "6.6.6"}}  # fmt: skip
        else:
            runs += 1
            if runs == args.hang_at:
                time.sleep(FOREVER)
            if runs == args.die_at:
                return 3
            if runs == args.endless_line_at:
                while True:
                    sys.stdout.write("x" * 65536)
            reply = reply_to_run(message, args)
        print(json.dumps(reply), flush=True)
        if runs == args.stray_after:
            print("loading the tag cache...", flush=True)
    return args.exit_status


if __name__ == "__main__":
    sys.exit(main())
