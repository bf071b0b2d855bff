"""Graded exercises and the Prüfungsmodus.

Exercises are data (``exercises/*.yaml``): a lab, faults from the catalogue
(:mod:`simnet.exercises.faults`), a probe and a question. :func:`instantiate`
draws a learner's seeded variant, :func:`grade` answers with feedback that
teaches, :func:`prove` shows an exercise is solvable. Progress lives in
SQLite (:mod:`simnet.exercises.progress`), the exam in
:mod:`simnet.exercises.exam`, the command line in :mod:`simnet.exercises.cli`
and the notebook view in :mod:`simnet.exercises.widget`.
"""
from simnet.exercises.check import Verdict, grade, prove, reference_answer
from simnet.exercises.generate import Instance, instantiate
from simnet.exercises.model import Exercise, ExerciseError, load_all, load_exercise

__all__ = ["Exercise", "ExerciseError", "Instance", "Verdict", "load_all", "load_exercise", "instantiate", "grade",
           "prove", "reference_answer"]
