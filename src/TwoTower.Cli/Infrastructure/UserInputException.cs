namespace TwoTower.Cli.Infrastructure;

/// <summary>A problem with the command's arguments or inputs: printed as one line, exit code 2.</summary>
internal sealed class UserInputException(string message) : Exception(message);
