"""Evaluation: answer quality (`answers`), retrieval quality (`retrieval`), and the resumable
JSON-lines files both write (`jsonl`)."""
