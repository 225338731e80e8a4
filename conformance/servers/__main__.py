"""``python -m conformance.servers NAME``: serve one in-process adapter over the protocol.

It announces itself as ``NAME-served``: an external tool never takes a built-in adapter's
name, results or divergences.
"""

import sys

from conformance.adapters import IN_PROCESS, create
from conformance.protocol import serve

if len(sys.argv) != 2 or sys.argv[1] not in IN_PROCESS:
    print(f"usage: python -m conformance.servers {{{','.join(IN_PROCESS)}}}", file=sys.stderr)
    sys.exit(2)
sys.exit(serve(create(sys.argv[1]), f"{sys.argv[1]}-served"))
