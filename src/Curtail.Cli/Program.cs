using Curtail.Cli;

return await CurtailApp.RunAsync(args);
