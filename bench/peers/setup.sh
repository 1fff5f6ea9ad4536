#!/usr/bin/env bash
# Installs and builds the peers that NeuralPS is measured against, on this machine (bench/README.md):
#   PyTorch and scikit-learn (Debian packages), Fashion-MNIST (Debian package),
#   TorchSharp-cpu 0.107.0 = libtorch 2.10 with MKL (NuGet), the FMA-peak probe (gcc).
# Builds go to $NEURALPS_PEERS (default /tmp/neuralps-peers). Safe to run again.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PEERS="${NEURALPS_PEERS:-/tmp/neuralps-peers}"
mkdir -p "$PEERS/torchsharp"

need=()
/usr/bin/python3 -c 'import torch, sklearn' 2>/dev/null || need+=(python3-torch python3-sklearn python3-numpy)
[ -d /usr/share/datasets/fashion-mnist ] || need+=(dataset-fashion-mnist)
command -v gcc >/dev/null || need+=(gcc)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup.sh: these Debian packages are missing; install them as root, then run this again:" >&2
    echo "  apt-get install ${need[*]}" >&2
    exit 1
  fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# FMA peak: the physical limit for float32 GEMM on this CPU.
gcc -O2 -march=native -fopenmp "$HERE/fma_peak.c" -o "$PEERS/fma_peak"

# TorchSharp. The project must NOT be named "torchsharp": NuGet would take it for the package
# "TorchSharp" and fail with "NU1108: Cycle detected".
cat > "$PEERS/torchsharp/TsBench.csproj" <<CSPROJ
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>disable</Nullable>
    <Optimize>true</Optimize>
    <TieredPGO>true</TieredPGO>
    <EnableDefaultCompileItems>false</EnableDefaultCompileItems>
  </PropertyGroup>
  <ItemGroup><Compile Include="$HERE/torchsharp/Program.cs" /></ItemGroup>
  <ItemGroup><PackageReference Include="TorchSharp-cpu" Version="0.107.0" /></ItemGroup>
</Project>
CSPROJ
(cd "$PEERS/torchsharp" && dotnet build -c Release -nologo -v q 2>&1 | tail -3)
OUT="$PEERS/torchsharp/bin/Release/net10.0"
# libLibTorchSharp.so 0.107.0 asks for GLIBCXX_3.4.32 (GCC 13) only for a symbol it never calls;
# Debian 12's libstdc++ stops at 3.4.30. Marking that need weak lets it load.
/usr/bin/python3 "$HERE/weaken_glibcxx.py" "$OUT/runtimes/linux-x64/native/libLibTorchSharp.so"
rm -rf "$OUT/cpu"
echo "peers ready in $PEERS"
