"""`python -m lora_tagger_widget ./imgs`: the same as the `lora-tagger` command."""

import sys

from .cli import main

sys.exit(main())
