"""The aws backend: the aws CLI call layer, the task-definition builder, and the backend class."""
