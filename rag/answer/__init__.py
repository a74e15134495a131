"""Stage 4, answers: follow-ups, routing, evidence units, pass 1 (evidence chosen by token
probabilities), the prompt contract, citations set by the code, and `ask`, which puts them in
order."""
