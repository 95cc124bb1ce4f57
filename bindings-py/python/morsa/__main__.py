"""``python -m morsa``: the ``morsa`` command."""

from .cli import main

raise SystemExit(main())
