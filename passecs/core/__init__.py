"""The small core every layer may use: errors and exit codes, output, records, the context, the process runner."""
