// The NeuralPS side of bench/compare.py: the workloads of bench/peers/torch_bench.py with the same arguments
// and the same JSON lines, driving the engine through the public API the cmdlets use.
//   dotnet NeuralPS.Benchmarks.dll --threads N --work w1|w1acc|w2|w3|w3step|w1ps|w4|w5|w5layers|w5k|w6|w6k [--batch B] [--epochs E] [--seed S] [--rep R] [--profile]
//   (w4: W4 alone on w1acc's network, trained once and kept in --model, default a file in the temp folder)
//   (--profile: W1 also prints where a step's time goes, phase by phase and thread by thread: a w1_profile line)
//   mpirun -np 2 dotnet NeuralPS.Benchmarks.dll --threads 1 --work w1 --batch 512 --distributed   (data-parallel W1; rank 0 prints)
using System.Globalization;
using NeuralPS.Benchmarks;

var options = new BenchOptions();
for (int i = 0; i < args.Length; i += 2)
{
    if (args[i] == "--distributed") { options.Distributed = true; i--; continue; } // flags: no value follows
    if (args[i] == "--profile") { options.Profile = true; i--; continue; }
    if (i + 1 == args.Length) { Console.Error.WriteLine($"{args[i]} needs a value"); return 2; }
    string value = args[i + 1];
    switch (args[i])
    {
        case "--threads": options.Threads = int.Parse(value, CultureInfo.InvariantCulture); break;
        case "--work": options.Work = value; break;
        case "--batch": options.Batch = int.Parse(value, CultureInfo.InvariantCulture); options.BatchGiven = true; break;
        case "--epochs": options.Epochs = int.Parse(value, CultureInfo.InvariantCulture); options.EpochsGiven = true; break;
        case "--model": options.Model = value; break;
        case "--seed": options.Seed = long.Parse(value, CultureInfo.InvariantCulture); break;
        case "--rep": options.Rep = int.Parse(value, CultureInfo.InvariantCulture); break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
    }
}
Output.Base(options);
switch (options.Work)
{
    case "w1": TrainingWorkloads.W1(options, withAccuracy: false); break;
    case "w1acc": TrainingWorkloads.W1(options, withAccuracy: true); break;
    case "w4": if (!options.EpochsGiven) options.Epochs = 10; TrainingWorkloads.W4Only(options); break;
    case "w2": TinyWorkloads.Run(options); break;
    case "w3": GemmWorkload.Run(options); break;
    case "w3step": GemmWorkload.RunStep(options); break;
    case "w1ps": PowerShellWorkload.Run(options); break;
    case "w5": CnnWorkload.Run(options); break;
    case "w5layers": CnnLayersWorkload.Run(options); break;
    case "w5k": ConvWorkload.Run(options); break;
    case "w6": SequenceWorkload.W6(options); break;
    case "w6k": RecurrentWorkload.Run(options); break;
    default: Console.Error.WriteLine($"unknown work {options.Work}: w1, w1acc, w2, w3, w3step, w1ps, w4, w5, w5layers, w5k, w6, w6k"); return 2;
}
return 0;

namespace NeuralPS.Benchmarks
{
    /// <summary>The command line, with torch_bench.py's defaults.</summary>
    internal sealed class BenchOptions
    {
        public int Threads = 1, Batch = 128, Epochs = 4, Rep;
        public long Seed;
        public string Work = "w1";
        public bool Distributed, BatchGiven, EpochsGiven, Profile;
        public string? Model;
    }
}
