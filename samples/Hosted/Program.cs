// Hosted: I3D.Net in a Microsoft.Extensions.Hosting app. AddI3DTraining registers the trainer factory with options bound
// from configuration (appsettings.json "Training", environment variables such as Training__Epochs=5, command-line
// arguments such as --Training:Epochs 5) and validated at startup; a BackgroundService runs the fine-tuning job.
//   dotnet run --project samples/Hosted [-- --Training:Epochs 5]
using I3D.Net.Runtime;
using I3D.Net.Samples.Hosted;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,   // appsettings.json is copied next to the program
});
I3DRuntime.Initialize();   // load libtorch once, with a clear message if the native backend is missing
builder.Services.AddI3DTraining().BindConfiguration("Training");
builder.Services.AddOptions<WorkerOptions>().BindConfiguration("Worker");
builder.Services.AddHostedService<TrainingWorker>();
using var host = builder.Build();
await host.RunAsync();
return Environment.ExitCode;
