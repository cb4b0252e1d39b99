<#
    Experiments as Pester tests: how a user can pin down claims about training and have them re-checked on every
    change. Run them with Pester 5 after building the module:

        Import-Module <path to Pester.psd1>
        Invoke-Pester ./examples/Experiments.Tests.ps1 -Output Detailed

    (build.ps1 restores Pester 5.7.1 into the NuGet package folder, ~/.nuget/packages/pester/5.7.1/tools.)
    They take about a minute; they are examples, not part of the project's test suite.
#>
Set-StrictMode -Version Latest

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../MnistNet.psd1') -Force
    $mnist = Join-Path $PSScriptRoot '../data/mnist'
    $train = Import-MnistIdx -Path $mnist -Set Train -First 5000 -AsDataset
    $heldOut = Import-MnistIdx -Path $mnist -Set Train -Skip 50000 -First 5000 -AsDataset
}

Describe 'what the original learner found' {
    It 'ReLU hidden layers beat sigmoid ones after 3 epochs of plain gradient descent' {
        $common = @{
            Dataset = $train; HiddenLayers = 128, 64; Optimizer = 'Sgd'; LearningRate = 0.1; Epochs = 3; Seed = 1
        }

        $sigmoid = Start-NetworkTraining @common -Activation Sigmoid
        $relu = Start-NetworkTraining @common -Activation ReLU

        $relu.History[-1].Loss | Should -BeLessThan ($sigmoid.History[-1].Loss / 2)
        $sigmoid.History[-1].Loss | Should -BeGreaterThan 2.0 -Because 'saturated sigmoid units barely learn at first'
    }

    It 'mini-batch Adam gets further in one epoch than full-batch descent in twenty' {
        $fullBatch = Start-NetworkTraining -Dataset $train -FullBatch -Optimizer Sgd -LearningRate 0.1 -Epochs 20 `
            -Seed 1
        $adam = Start-NetworkTraining -Dataset $train -Optimizer Adam -BatchSize 128 -Epochs 1 -Seed 1

        $adamScore = (Measure-NetworkAccuracy -Network $adam -Dataset $heldOut).Accuracy
        $fullScore = (Measure-NetworkAccuracy -Network $fullBatch -Dataset $heldOut).Accuracy
        $adamScore | Should -BeGreaterThan $fullScore
    }
}

Describe 'the recipes hold' {
    It 'the seed recipe reads at least 98.2% of the MNIST test images' {
        $network = & (Join-Path $PSScriptRoot 'SeedRecipe.ps1') 6>$null
        $test = Import-MnistIdx -Path $mnist -Set Test -AsDataset

        (Measure-NetworkAccuracy -Network $network -Dataset $test).Accuracy | Should -BeGreaterOrEqual 0.982
    }

    It 'the same seed gives the same network, so a result can be reproduced exactly' {
        $first = Start-NetworkTraining -Dataset $train -HiddenLayers 32 -Epochs 2 -Augment -Seed 7
        $second = Start-NetworkTraining -Dataset $train -HiddenLayers 32 -Epochs 2 -Augment -Seed 7

        [System.Linq.Enumerable]::SequenceEqual($first.Layers[0].GetWeights(), $second.Layers[0].GetWeights()) |
            Should -BeTrue
    }
}
