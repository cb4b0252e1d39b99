<#
.SYNOPSIS
    The best plain MLP recipe: 784-800-800-10 trained on elastically distorted images.

.DESCRIPTION
    In the spirit of Simard, Steinkraus and Platt (2003), who reached 0.7% error with one 800-unit hidden layer
    trained on elastically distorted digits: two hidden layers of 800 ReLU units, light dropout (0.1), Adam with a
    one-cycle learning-rate schedule peaking at 0.002, batches of 128, and for 150 epochs every training image
    freshly shifted, rotated, scaled and elastically distorted (-Augment). The distortions are made between
    batches on the threads that train. A checkpoint is saved after every epoch, so an interrupted run can go on
    with Start-NetworkTraining -CheckpointPath <path> -Resume.

    Build the module once (dotnet pwsh ./build.ps1), then:  dotnet pwsh ./examples/BestMlpRecipe.ps1
    It takes about ten minutes on two cores; the figures we measured are in the README.
#>
[CmdletBinding()]
param(
    [int] $Seed = 1,
    [int] $Epochs = 150,
    [string] $CheckpointPath = (Join-Path $PSScriptRoot 'output/best-mlp.mnn')
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot -Parent
Import-Module (Join-Path $root 'MnistNet.psd1') -Force

$clock = [System.Diagnostics.Stopwatch]::StartNew()
$train = Import-MnistIdx -Path (Join-Path $root 'data/mnist') -Set Train -AsDataset
$test = Import-MnistIdx -Path (Join-Path $root 'data/mnist') -Set Test -AsDataset
New-Item -ItemType Directory -Force -Path (Split-Path $CheckpointPath -Parent) | Out-Null

# New-Network first, so that Ctrl+C leaves $network holding the last completed epoch.
$network = New-Network -HiddenLayers 800, 800 -Seed $Seed
Start-NetworkTraining -Dataset $train -Network $network -Optimizer Adam -LearningRate 0.002 -Schedule OneCycle `
    -BatchSize 128 -Epochs $Epochs -Dropout 0.1 -Augment -Seed $Seed -CheckpointPath $CheckpointPath | Out-Null

$score = Measure-NetworkAccuracy -Network $network -Dataset $test
$invariant = [cultureinfo]::InvariantCulture
Write-Host ('Best MLP: MNIST test accuracy {0} ({1} of 10000) in {2} min.' -f
    $score.Accuracy.ToString('P2', $invariant), $score.Correct, $clock.Elapsed.TotalMinutes.ToString('F1', $invariant))
$network
