"""MedAgentGym: train and evaluate LLM agents that solve biomedical problems with code."""

__version__ = "0.1.0"
