# The meter application: account and credit, relay policy, keypad entry, events, CTS test mode.
