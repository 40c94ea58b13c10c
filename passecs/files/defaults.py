"""Names every part of passecs agrees on, in a module that costs nothing to import."""

from __future__ import annotations

# the runbook's pair: the vanilla compose file and its ECS sidecar
DEFAULT_COMPOSE_FILES = ("docker-compose.yml", "docker-compose-ecs.yml")
ECS_PARAMS_FILE = "ecs-params.yml"

# the runbook's task execution role and the AWS managed policy it attaches
DEFAULT_ROLE_NAME = "ecsExecutionRole"
TASK_EXECUTION_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
