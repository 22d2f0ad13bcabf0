"""Modal dialogs of the TUI, one module per dialog, each returning a typed value."""
