"""The gateway: the application's AI API, its agents, and the path each request takes."""
