"""EHR question answering: MIMIC-III, eICU, TREQS and EHR-SeqSQL (shared template machinery)."""
