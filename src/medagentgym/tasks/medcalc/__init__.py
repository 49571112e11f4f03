"""MedCalcBench: MedCalc-Bench's 55 medical calculators as a task family.

``catalog`` declares the calculators, ``formulas`` computes their answers, ``sampling`` and
``notes`` generate synthetic patients and their notes, ``grading`` applies the official
correctness rules, ``oracle`` writes the reference solutions, ``family`` registers ``medcalc``
and ``entities`` reads MedCalc-Bench's "Relevant Entities" for the importer.
"""
