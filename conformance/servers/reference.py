"""``python -m conformance.servers.reference``: the reference implementation as a JSON-lines
server (protocol version 1), announced as ``reference-served``. Given a single message it
answers and exits at the end of its input, so the same program also works as a one-shot
command."""

import sys

from conformance.adapters.reference import ReferenceAdapter
from conformance.protocol import serve

if __name__ == "__main__":
    sys.exit(serve(ReferenceAdapter(), "reference-served"))
