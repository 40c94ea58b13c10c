"""The ecs-cli backend: argv builders, parsers of its logfmt and table output, and the backend class."""
