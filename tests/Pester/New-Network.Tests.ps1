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

    It 'is trained in place by Start-NetworkTraining -Network' {
        $network = New-Network -HiddenLayers 16 -Seed 5

        Start-NetworkTraining -Dataset $training -Network $network -Epochs 2 -Seed 6 | Out-Null

        $network.History.Epoch | Should -Be 1, 2
        $network.History[-1].Loss | Should -BeLessThan $network.History[0].Loss
    }
}
