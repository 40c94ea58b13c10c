"""The operator's files: ``~/.ecs`` and the project model (compose files, ecs-params.yml, env files)."""
