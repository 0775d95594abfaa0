return TwoTower.Cli.CliApp.Run(args, Console.Out, Console.Error, interactive: !Console.IsOutputRedirected);
