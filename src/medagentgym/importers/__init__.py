"""Importers: official task files of the original benchmarks turned into MedAgentGym task sets."""
