"""The gymnasium environment, its actions and their parsing.

Importing this package registers ``MedAgentGym-v0`` with gymnasium, so that
``gymnasium.make("medagentgym.env:MedAgentGym-v0", name="demo", split="test")`` works next to
:func:`medagentgym.make`.
"""

import gymnasium

ENV_ID = "MedAgentGym-v0"

if ENV_ID not in gymnasium.registry:
    gymnasium.register(id=ENV_ID, entry_point="medagentgym.env.environment:make", disable_env_checker=False)
