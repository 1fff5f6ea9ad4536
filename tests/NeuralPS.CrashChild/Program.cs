// Usage: NeuralPS.CrashChild <checkpoint folder> <epochs>: resumes from the folder's last.npsm and trains on,
// writing a checkpoint every epoch, until it is killed or the epochs are done.
using System.Globalization;
using NeuralPS.CrashChild;

if (args.Length != 2 || !int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out int epochs))
{
    Console.Error.WriteLine("usage: NeuralPS.CrashChild <checkpoint folder> <epochs>");
    return 2;
}
CrashWorkload.Train(args[0], epochs);
return 0;
