"""Emitters: map one schema-neutral hospital onto one benchmark's tables."""
