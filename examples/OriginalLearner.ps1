<#
.SYNOPSIS
    Retells the story this project grew from: a NumPy learner's 784-128-64-10 network trained by full-batch gradient
    descent on Kaggle's 42,000 training rows.

.DESCRIPTION
    1. Sigmoid hidden layers, full batch, plain gradient descent: the loss barely moves from 2.30, the loss of
       guessing each digit with probability 1/10, because sigmoid units saturate and pass back tiny gradients.
    2. The same network with ReLU hidden layers: the loss falls to about 0.5 within 100 epochs.
    3. ReLU with mini-batches of 128 and Adam: better than both after a couple of epochs.

    The 42,000 images are the first 42,000 of the bundled MNIST training set (Kaggle's train.csv has the same
    shape). Each full-batch run takes 15 to 25 s on two cores; prints 'Epoch k, Loss: x' every 10 epochs.

    dotnet pwsh ./build.ps1            # once, to build the module
    dotnet pwsh ./examples/OriginalLearner.ps1
#>
[CmdletBinding()]
param(
    [int] $Epochs = 100,
    [double] $LearningRate = 0.1
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot -Parent
Import-Module (Join-Path $root 'MnistNet.psd1') -Force

$mnist = Join-Path $root 'data/mnist'
$rows = Import-MnistIdx -Path $mnist -Set Train -First 42000 -AsDataset
$test = Import-MnistIdx -Path $mnist -Set Test -AsDataset

$invariant = [cultureinfo]::InvariantCulture

function Show-Run([string] $Title, $Network, [int] $Every = 10) {
    Write-Host ''
    Write-Host $Title -ForegroundColor Cyan
    foreach ($epoch in $Network.History) {
        if ($epoch.Epoch % $Every -eq 0 -or $epoch.Epoch -eq 1) {
            Write-Host ('Epoch {0}, Loss: {1}' -f $epoch.Epoch, $epoch.Loss.ToString('F4', $invariant))
        }
    }

    $score = Measure-NetworkAccuracy -Network $Network -Dataset $test
    $seconds = ($Network.History | Measure-Object -Property Seconds -Sum).Sum
    Write-Host ('Test accuracy {0}, training took {1} s' -f $score.Accuracy.ToString('P2', $invariant),
        $seconds.ToString('F1', $invariant))
}

$common = @{ Dataset = $rows; HiddenLayers = 128, 64; Seed = 1 }

$sigmoid = Start-NetworkTraining @common -Activation Sigmoid -Optimizer Sgd -FullBatch -LearningRate $LearningRate `
    -Epochs $Epochs
Show-Run "1. Sigmoid, full batch, gradient descent (learning rate $LearningRate)" $sigmoid

$relu = Start-NetworkTraining @common -Activation ReLU -Optimizer Sgd -FullBatch -LearningRate $LearningRate `
    -Epochs $Epochs
Show-Run "2. ReLU, full batch, gradient descent (learning rate $LearningRate)" $relu

$adam = Start-NetworkTraining @common -Activation ReLU -Optimizer Adam -BatchSize 128 -Epochs 3
Show-Run '3. ReLU, mini-batches of 128, Adam' $adam -Every 1
