"""N-PowerAI: statistical power and sample-size questions (see docs/npower.md).

Importing this package registers the ``npower`` family.
"""

from medagentgym.tasks.npower.family import NPowerFamily

__all__ = ["NPowerFamily"]
