"""What every service call shares: its context, prebuilt statements, audit trail, row loaders."""
