"""Front-ends for the places teams already talk: the MCP server (agents and desktop
assistants), Slack and Telegram bots. Each translates its platform's requests into calls of
the same services the API and CLI use."""
