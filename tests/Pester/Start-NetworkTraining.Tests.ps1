Set-StrictMode -Version Latest

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../MnistNet.psd1') -Force
    $mnist = Join-Path $PSScriptRoot '../../data/mnist'
    $training = Import-MnistIdx -Path $mnist -Set Train -First 2000 -AsDataset
    $heldOut = Import-MnistIdx -Path $mnist -Set Train -Skip 2000 -First 500 -AsDataset
}

Describe 'Start-NetworkTraining' {
    It 'learns to read 500 unseen MNIST digits with over 85% accuracy from 2,000 examples' {
        $network = Start-NetworkTraining -Dataset $training -Epochs 5 -Seed 1

        $network.Architecture | Should -Be '784-128-64-10'
        $network.History.Count | Should -Be 5
        $network.History[-1].Loss | Should -BeLessThan $network.History[0].Loss
        (Measure-NetworkAccuracy -Network $network -Dataset $heldOut).Accuracy | Should -BeGreaterThan 0.85
    }

    It 'trains on samples piped one by one' {
        $network = Import-MnistIdx -Path $mnist -Set Train -First 300 |
            Start-NetworkTraining -HiddenLayers 32 -Epochs 2 -Seed 3

        $network.Architecture | Should -Be '784-32-10'
        $network.History.Count | Should -Be 2
    }

    It 'gives identical networks for the same seed' {
        $first = Start-NetworkTraining -Dataset $training -HiddenLayers 16 -Epochs 1 -Seed 7
        $second = Start-NetworkTraining -Dataset $training -HiddenLayers 16 -Epochs 1 -Seed 7

        $first.Layers[0].GetWeights() | Should -Be $second.Layers[0].GetWeights()
        $first.History[0].Loss | Should -Be $second.History[0].Loss
    }

    It 'records validation results when asked to hold out data' {
        $network = Start-NetworkTraining -Dataset $training -HiddenLayers 16 -BatchSize 32 -Epochs 2 `
            -ValidationSplit 0.2 -Seed 2

        $network.History.Count | Should -Be 2
        $network.History[-1].ValidationAccuracy | Should -BeGreaterThan 0.7
        $network.History[-1].ValidationLoss | Should -BeLessThan $network.History[0].ValidationLoss
    }

    It 'validates on given data' {
        $network = Start-NetworkTraining -Dataset $training -HiddenLayers 16 -Epochs 1 -ValidationData $heldOut -Seed 2

        $network.History[0].ValidationLoss | Should -BeGreaterThan 0
    }

    It 'writes one verbose line per epoch' {
        $lines = Start-NetworkTraining -Dataset $training -HiddenLayers 16 -Epochs 3 -Seed 2 -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }

        $lines.Count | Should -Be 3
        $lines[2].Message | Should -Match '^Epoch 3: loss \d\.\d{4}, accuracy \d+\.\d\d ?%'
    }

    It 'trains with full batches and the chosen optimizer and activation' {
        $small = Import-MnistIdx -Path $mnist -Set Train -First 500 -AsDataset
        $network = Start-NetworkTraining -Dataset $small -FullBatch -Optimizer Sgd -Activation Sigmoid `
            -HiddenLayers 32 -Epochs 3 -Seed 4

        $network.Activation | Should -Be 'Sigmoid'
        $network.TrainedWith.BatchSize | Should -Be 0
        $network.TrainedWith.Optimizer | Should -Be 'Sgd'
    }

    It 'continues training a given network' {
        $network = Start-NetworkTraining -Dataset $training -HiddenLayers 16 -Epochs 1 -Seed 5
        $same = Start-NetworkTraining -Dataset $training -Network $network -Epochs 2 -Seed 6

        [object]::ReferenceEquals($network, $same) | Should -BeTrue
        $network.History.Epoch | Should -Be 1, 2, 3
    }

    It 'refuses -HiddenLayers together with a network to continue' {
        $network = Start-NetworkTraining -Dataset $training -HiddenLayers 16 -Epochs 1 -Seed 5

        { Start-NetworkTraining -Dataset $training -Network $network -HiddenLayers 8 -Epochs 1 } |
            Should -Throw -ErrorId 'ConflictingParameters,*' -ExpectedMessage '*-HiddenLayers*784-16-10*'
    }

    It 'validates on samples given as any list' {
        $list = [System.Collections.Generic.List[object]]::new()
        Import-MnistIdx -Path $mnist -Set Test -First 50 | ForEach-Object { $list.Add($_) }

        $network = Start-NetworkTraining -Dataset $training -HiddenLayers 16 -Epochs 1 -ValidationData $list -Seed 2

        $network.History[0].ValidationAccuracy | Should -BeGreaterThan 0
    }

    It 'refuses unlabelled data with a clear error' {
        $unlabelled = Import-MnistCsv -Path (Join-Path $PSScriptRoot '../data/test-200.csv') -AsDataset

        { Start-NetworkTraining -Dataset $unlabelled -Epochs 1 } |
            Should -Throw -ErrorId 'InvalidTrainingData,*' -ExpectedMessage '*no labels*'
    }
}
