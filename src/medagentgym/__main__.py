"""``python -m medagentgym`` runs the CLI."""

from medagentgym.cli import main

main()
