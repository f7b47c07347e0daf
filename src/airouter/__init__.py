"""airouter: an LLM gateway."""
