"""Pure routing decisions: signals (hints over detection) in, a rule and its chain out."""
