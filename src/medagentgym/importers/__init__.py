"""Importers: official task files (MedCalc-Bench, ...) turned into MedAgentGym task sets."""
