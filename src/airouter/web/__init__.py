"""HTTP plumbing shared by the router and the gateway: errors, auth, correlation, limits, logs."""
