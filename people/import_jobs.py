"""The people and enrolments import as a job (written with the one-pass import)."""
