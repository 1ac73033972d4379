# Non-volatile state: atomic commits and the event log over an injected file system.
