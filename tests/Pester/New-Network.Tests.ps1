Set-StrictMode -Version Latest

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../MnistNet.psd1') -Force
    $mnist = Join-Path $PSScriptRoot '../../data/mnist'
    $training = Import-MnistIdx -Path $mnist -Set Train -First 1000 -AsDataset
}

Describe 'New-Network' {
    It 'creates an untrained network of the given shape' {
        $network = New-Network -HiddenLayers 32, 16 -Activation Tanh -Seed 3

        $network.Architecture | Should -Be '784-32-16-10'
        $network.Activation | Should -Be 'Tanh'
        $network.Seed | Should -Be 3
        $network.History.Count | Should -Be 0
    }

    It 'gives the same weights for the same seed and records a drawn seed' {
        $first = (New-Network -Seed 4).Layers[0].GetWeights()
        $second = (New-Network -Seed 4).Layers[0].GetWeights()
        [Linq.Enumerable]::SequenceEqual($first, $second) | Should -BeTrue
        (New-Network).Seed | Should -BeGreaterThan 0
    }

    It 'refuses layers whose weights would not fit its 32-bit sizes, before allocating anything' {
        { New-Network -HiddenLayers 65536, 65536 -ErrorAction Stop } |
            Should -Throw -ErrorId 'NetworkTooLarge,*' -ExpectedMessage '*4,347,133,962 weights and biases*'
        { Start-NetworkTraining -Dataset $training -HiddenLayers 46341, 46341 -ErrorAction Stop } |
            Should -Throw -ErrorId 'NetworkTooLarge,*' -ExpectedMessage '*-HiddenLayers 46341, 46341*'
    }

    It 'refuses a batch too tall for one buffer of its widest layer with BatchTooLarge' {
        # 23,171 images x 46,341 units is just over 2^30 values.
        $many = Import-MnistIdx -Path $mnist -Set Train -First 23171 -AsDataset

        { Start-NetworkTraining -Dataset $many -HiddenLayers 46341 -FullBatch -Epochs 1 -ErrorAction Stop } |
            Should -Throw -ErrorId 'BatchTooLarge,*' -ExpectedMessage ('A batch of 23,171 images through a layer of ' +
                '46,341 units needs 1,073,767,311 values in one buffer; at most 1,073,741,824 fit. Give a smaller ' +
                '-BatchSize instead of -FullBatch, whose batch is every training image.')
    }

    It 'is trained in place by Start-NetworkTraining -Network' {
        $network = New-Network -HiddenLayers 16 -Seed 5

        Start-NetworkTraining -Dataset $training -Network $network -Epochs 2 -Seed 6 | Out-Null

        $network.History.Epoch | Should -Be 1, 2
        $network.History[-1].Loss | Should -BeLessThan $network.History[0].Loss
    }
}
