"""The runbook's steps: configure, iam, the production guard, the compose lifecycle, deploy and plan."""
