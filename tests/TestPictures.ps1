# Dot-sourced by the tests (xunit through the in-process runspace, Pester, the help-example runners) after NeuralPS is
# imported: Export-TestPicture writes a folder of PNG files with one sub-folder per class, as Import-Dataset -Path
# reads them.

function Export-TestPicture {
    <#
    .SYNOPSIS
    Writes 28x28 gray PNG pictures, one sub-folder per class, and returns what each file holds.
    .DESCRIPTION
    The pictures are Fashion-MNIST test images (Debian's dataset-fashion-mnist package), the first -PerClass of each
    class in file order, read from the IDX files here (not by NeuralPS, so the tests compare NeuralPS with an
    independent reading). Without the package, or with -Synthetic, they are a pattern drawn from a seeded generator:
    four classes, each a bright quadrant over dim noise. Each returned object has Path, Class, Pixels (the 784 bytes
    written, row-major) and Source ('Fashion-MNIST' or 'synthetic').
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory)] [string] $Path,
        [ValidateRange(1, 1000)] [int] $PerClass = 10,
        # FMNIST_DIR as the benchmark reads it; a folder without the files gives the synthetic pattern.
        [string] $FashionMnist = $(if ($env:FMNIST_DIR) { $env:FMNIST_DIR } else { '/usr/share/datasets/fashion-mnist' }),
        [switch] $Synthetic
    )
    $ErrorActionPreference = 'Stop' # a picture not written must fail the test that needs it
    Add-SkiaSharp
    $Path = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Path)
    $images = Join-Path -Path $FashionMnist -ChildPath 't10k-images-idx3-ubyte.gz'
    $labels = Join-Path -Path $FashionMnist -ChildPath 't10k-labels-idx1-ubyte.gz'
    $pictures = if (-not $Synthetic -and (Test-Path -Path $images) -and (Test-Path -Path $labels)) {
        Read-FashionMnistPicture -ImagePath $images -LabelPath $labels -PerClass $PerClass
    }
    else {
        Get-SyntheticPicture -PerClass $PerClass
    }
    $null = New-Item -Path $Path -ItemType Directory -Force
    $info = [SkiaSharp.SKImageInfo]::new(28, 28, [SkiaSharp.SKColorType]::Gray8, [SkiaSharp.SKAlphaType]::Opaque)
    $count = @{}
    foreach ($picture in $pictures) {
        $folder = Join-Path -Path $Path -ChildPath $picture.Class
        $null = New-Item -Path $folder -ItemType Directory -Force
        $count[$picture.Class] = 1 + $count[$picture.Class]
        $file = Join-Path -Path $folder -ChildPath ('{0:d3}.png' -f $count[$picture.Class])
        $bitmap = [SkiaSharp.SKBitmap]::new($info)
        try {
            [Runtime.InteropServices.Marshal]::Copy($picture.Pixels, 0, $bitmap.GetPixels(), 784)
            $png = $bitmap.Encode([SkiaSharp.SKEncodedImageFormat]::Png, 100)
            [IO.File]::WriteAllBytes($file, $png.ToArray())
            $png.Dispose()
        }
        finally {
            $bitmap.Dispose()
        }
        [pscustomobject]@{ Path = $file; Class = $picture.Class; Pixels = $picture.Pixels; Source = $picture.Source }
    }
}

function Export-TestColorPicture {
    <#
    .SYNOPSIS
    Writes one picture of -Width x -Height from -Rgb, one 0xRRGGBB value per pixel, row by row (opaque).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $Path,
        [Parameter(Mandatory)] [int] $Width,
        [Parameter(Mandatory)] [int] $Height,
        [Parameter(Mandatory)] [int[]] $Rgb,
        [ValidateSet('Png', 'Jpeg', 'Webp')] [string] $Format = 'Png'
    )
    $ErrorActionPreference = 'Stop'
    Add-SkiaSharp
    $Path = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Path)
    $null = New-Item -Path (Split-Path -Path $Path) -ItemType Directory -Force
    $bitmap = [SkiaSharp.SKBitmap]::new($Width, $Height, [SkiaSharp.SKColorType]::Rgba8888, [SkiaSharp.SKAlphaType]::Opaque)
    try {
        for ($i = 0; $i -lt $Width * $Height; $i++) {
            $color = [SkiaSharp.SKColor]::new([byte](($Rgb[$i] -shr 16) -band 255), [byte](($Rgb[$i] -shr 8) -band 255), [byte]($Rgb[$i] -band 255))
            $bitmap.SetPixel($i % $Width, [Math]::Floor($i / $Width), $color)
        }
        $encoded = $bitmap.Encode([SkiaSharp.SKEncodedImageFormat]$Format, 100)
        [IO.File]::WriteAllBytes($Path, $encoded.ToArray())
        $encoded.Dispose()
    }
    finally {
        $bitmap.Dispose()
    }
}

function Add-SkiaSharp {
    # The SkiaSharp that NeuralPS ships beside its cmdlet assembly, for writing the pictures.
    [CmdletBinding()]
    param()
    $bin = Split-Path -Path (Get-Command -Name Import-Dataset).ImplementingType.Assembly.Location
    Add-Type -Path (Join-Path -Path $bin -ChildPath 'SkiaSharp.dll')
}

function Read-FashionMnistPicture {
    # The first $PerClass images of each class from the IDX files, in file order.
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param([string] $ImagePath, [string] $LabelPath, [int] $PerClass)
    # Folder names: 'T-shirt/top' holds a slash, which a folder name cannot.
    $names = 'T-shirt', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'
    $imageBytes = Read-GzipFile -Path $ImagePath
    $labelBytes = Read-GzipFile -Path $LabelPath
    $taken = @{}
    for ($i = 0; $i -lt $labelBytes.Length - 8; $i++) {
        $label = [int] $labelBytes[8 + $i]
        if ($taken[$label] -ge $PerClass) { continue }
        $taken[$label] = 1 + $taken[$label]
        $pixels = [byte[]]::new(784)
        [Array]::Copy($imageBytes, 16 + 784 * $i, $pixels, 0, 784)
        [pscustomobject]@{ Class = $names[$label]; Pixels = $pixels; Source = 'Fashion-MNIST' }
        if ($taken.Count -eq 10 -and -not ($taken.Values | Where-Object { $_ -lt $PerClass })) { break }
    }
}

function Read-GzipFile {
    [CmdletBinding()]
    [OutputType([byte[]])]
    param([string] $Path)
    $file = [IO.File]::OpenRead($Path)
    try {
        $gzip = [IO.Compression.GZipStream]::new($file, [IO.Compression.CompressionMode]::Decompress)
        $memory = [IO.MemoryStream]::new()
        $gzip.CopyTo($memory)
        Write-Output -InputObject $memory.ToArray() -NoEnumerate
    }
    finally {
        $file.Dispose()
    }
}

function Get-SyntheticPicture {
    # Four classes, each a bright quadrant (150-255) over dim noise (0-79), from a seeded generator.
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param([int] $PerClass)
    $random = [Random]::new(17)
    $classes = 'top-left', 'top-right', 'bottom-left', 'bottom-right'
    for ($n = 0; $n -lt $PerClass; $n++) {
        for ($c = 0; $c -lt 4; $c++) {
            $pixels = [byte[]]::new(784)
            for ($y = 0; $y -lt 28; $y++) {
                for ($x = 0; $x -lt 28; $x++) {
                    $inside = ([int] ($y -ge 14) -eq [Math]::Floor($c / 2)) -and ([int] ($x -ge 14) -eq $c % 2)
                    $pixels[28 * $y + $x] = if ($inside) { $random.Next(150, 256) } else { $random.Next(0, 80) }
                }
            }
            [pscustomobject]@{ Class = $classes[$c]; Pixels = $pixels; Source = 'synthetic' }
        }
    }
}
