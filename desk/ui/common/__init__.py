"""What every view shares: theme, icons, plain-text labels, fields, dialogs, undo, workers."""
