"""Names every part of passecs agrees on, in a module that costs nothing to import."""

from __future__ import annotations

# the runbook's pair: the vanilla compose file and its ECS sidecar
DEFAULT_COMPOSE_FILES = ("docker-compose.yml", "docker-compose-ecs.yml")
ECS_PARAMS_FILE = "ecs-params.yml"

# the runbook's task execution role and the AWS managed policy it attaches
DEFAULT_ROLE_NAME = "ecsExecutionRole"
TASK_EXECUTION_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"

# passecs's own settings (PASS_SUBNET_ID, PASSECS_PROTECTED_CLUSTERS, ...): a file no container sees, kept out
# of git; loaded into passecs's environment (never overriding what is set). The project ships an example.
SETTINGS_FILE = "passecs.env"
SETTINGS_EXAMPLE_FILE = "passecs.env.example"
